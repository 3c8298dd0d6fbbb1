/**
 * Unikraft's x86_64 system call table as data: the calls the core libraries register with the
 * syscall shim (lib/syscall_shim), split into implemented and stubbed, each with the file that
 * defines it.
 *
 * Provenance: read from the unikraft/unikraft copy in the search index, file by file. No
 * release tag could be pinned (the index stores files per commit and names no tags), so this is a
 * staging snapshot of roughly the v0.20 era, not RELEASE-0.20.0 itself. Where a file was found at a
 * known commit it is listed with it in `sources`; the rest were read as text copies whose commit the
 * index does not report. Names are the x86_64 (strace) names; Unikraft uses the same kernel names
 * here (e.g. it registers newfstatat and aliases fstatat to it).
 *
 * Stubbed means registered but doing nothing useful: -ENOSYS, -ENOTSUP, a fixed answer for a single
 * root user / single process, or "return 0" with UK_WARN_STUBBED.
 */
import { SyscallTable } from "./table";

export const UNIKRAFT_SYSCALLS: SyscallTable = {
    family: "unikraft",
    version: "staging (v0.20-era snapshot, untagged)",
    sources: [
        {
            repository: "unikraft/unikraft",
            ref: "385b6d826789bd80ad15330053583badc1a86d8d",
            paths: ["lib/posix-vfs/syscalls.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "2681544f61daf7bdfa61b5efe09b563b44521947",
            paths: ["lib/posix-process/arch/x86_64/arch_prctl.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "44ed10998cc078bbc20866db736e21e69cfe759a",
            paths: ["lib/posix-process/brk.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "27304a9cceac9680401ab29c6604d599d95eaa23",
            paths: ["lib/posix-process/vfork.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "2799a12cd7442806e0fcad0757a75dc7e03915e6",
            paths: ["lib/posix-process/signal/signal_file.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "25bb90c5917926ad9f91796e579b07f18c7379ec",
            paths: ["lib/posix-process/signal/rt_sigaction.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "12a51f5e4e8eae0c469ddba2e491c8fd1bdf3472",
            paths: ["lib/posix-process/signal/kill.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "14ef9b06bba593d71e950fb7a862ed552417d890",
            paths: ["lib/posix-process/signal/pause.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "24ccb503e6f8566c4035555dd8b70315ba0745ac",
            paths: ["lib/posix-process/signal/alarm.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "04f60124a08b97b7b80291d695be689cb7fa09f4",
            paths: ["lib/posix-process/deprecated.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "03d514d50fec213504cd9522c0c36193a9d9cb26",
            paths: ["lib/posix-process/Makefile.uk"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "07c1af62b0f4d34ee851f39a00c171877f807b91",
            paths: ["lib/posix-time/time.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "03584ee33cfa868555c9b1d1fa70ae1f302e22c4",
            paths: ["lib/posix-time/timer.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "2487d9ef663e8df74481b093c124aba91c6a64fd",
            paths: ["lib/posix-time/Makefile.uk"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "0b62050dba43836155f28e79529ef369dd5143cf",
            paths: ["lib/posix-futex/futex.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "098a7a7193469477093aedc3ef0819b2e1fa4b36",
            paths: ["lib/posix-fdio/fd-shim.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "139e11d9e3cd38769ab3aff31bf7ff242dd27f63",
            paths: ["lib/posix-mmap/mmap.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "02bcdac0fe7db2b92292d7f762b2fe17ddb4ecae",
            paths: ["lib/posix-sysinfo/sysinfo.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "14241e134bd6752a8e20d9a872c2894c43158a49",
            paths: ["lib/ukrandom/getrandom.c"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "01b593201ab1e03b013b45d692eb30a8627e14f5",
            paths: ["lib/vfscore/Makefile.uk"],
        },
        {
            repository: "unikraft/unikraft",
            ref: "staging (search-index text copies; the index does not expose their commits)",
            paths: [
                "lib/posix-process/process.c",
                "lib/posix-process/exit.c",
                "lib/posix-process/wait.c",
                "lib/posix-process/clone.c",
                "lib/posix-process/execve.c",
                "lib/posix-fdio/sendfile-shim.c",
                "lib/posix-fdtab/fdtab.c",
                "lib/posix-poll/epoll.c",
                "lib/posix-poll/poll.c",
                "lib/posix-poll/select.c",
                "lib/posix-pipe/pipe.c",
                "lib/posix-eventfd/eventfd.c",
                "lib/posix-timerfd/timerfd.c",
                "lib/posix-socket/socket.c",
                "lib/posix-user/user.c",
                "lib/posix-user/group.c",
                "lib/uksched/sched.c",
                "lib/vfscore/main.c",
            ],
        },
    ],
    notes:
        "Core unikraft/unikraft only, as registered with UK_SYSCALL_R_DEFINE / UK_LLSYSCALL_R_DEFINE / " +
        "UK_LLSYSCALL_R_E_DEFINE in lib/*. Not a tagged release: the search index holds many per-file " +
        "versions of the repository and no way to select a tag, so each file was read in the newest copy " +
        "that could be found (most from 2024-2025: posix-vfs, arch_prctl in posix-process and signalfd are " +
        "v0.20-era); a few only in older copies, marked next to their entries. Every call is present only " +
        "when its library is selected in Kconfig, and several depend on options (signals on " +
        "LIBPOSIX_PROCESS_SIGNAL, wait4/waitid on LIBPOSIX_PROCESS_MULTIPROCESS). File calls exist twice: " +
        "posix-vfs (new, v0.20) and legacy vfscore; the table names posix-vfs, and vfscore only where it " +
        "differs. Not read: external libraries (lib-musl, lib-lwip, which backs posix-socket, lib-newlib) " +
        "and app-elfloader, which runs Linux ELFs through this same syscall shim and may add its own " +
        "handlers. Calls the core was not seen to register (e.g. rt_sigreturn, set_robust_list, rseq, " +
        "clone3, mremap, getitimer, mincore) are in neither map, i.e. missing.",
    implemented: {
        read: "lib/posix-fdio/fd-shim.c",
        write: "lib/posix-fdio/fd-shim.c",
        readv: "lib/posix-fdio/fd-shim.c",
        writev: "lib/posix-fdio/fd-shim.c",
        pread64: "lib/posix-fdio/fd-shim.c",
        pwrite64: "lib/posix-fdio/fd-shim.c",
        preadv: "lib/posix-fdio/fd-shim.c",
        pwritev: "lib/posix-fdio/fd-shim.c",
        preadv2: "lib/posix-fdio/fd-shim.c",
        pwritev2: "lib/posix-fdio/fd-shim.c",
        lseek: "lib/posix-fdio/fd-shim.c",
        fstat: "lib/posix-fdio/fd-shim.c",
        fchmod: "lib/posix-fdio/fd-shim.c",
        fchown: "lib/posix-fdio/fd-shim.c",
        fsync: "lib/posix-fdio/fd-shim.c",
        fdatasync: "lib/posix-fdio/fd-shim.c",
        ftruncate: "lib/posix-fdio/fd-shim.c",
        fallocate: "lib/posix-fdio/fd-shim.c",
        fadvise64: "lib/posix-fdio/fd-shim.c", // returns 0 without effect on legacy vfscore files
        fcntl: "lib/posix-fdio/fd-shim.c",
        ioctl: "lib/posix-fdio/fd-shim.c",
        sendfile: "lib/posix-fdio/sendfile-shim.c",
        close: "lib/posix-fdtab/fdtab.c",
        dup: "lib/posix-fdtab/fdtab.c",
        dup2: "lib/posix-fdtab/fdtab.c",
        dup3: "lib/posix-fdtab/fdtab.c",
        sync: "lib/posix-vfs/syscalls.c",
        syncfs: "lib/posix-vfs/syscalls.c",
        statfs: "lib/posix-vfs/syscalls.c",
        fstatfs: "lib/posix-vfs/syscalls.c",
        fchdir: "lib/posix-vfs/syscalls.c",
        chdir: "lib/posix-vfs/syscalls.c",
        getcwd: "lib/posix-vfs/syscalls.c",
        chroot: "lib/posix-vfs/syscalls.c",
        umask: "lib/posix-vfs/syscalls.c",
        faccessat2: "lib/posix-vfs/syscalls.c",
        faccessat: "lib/posix-vfs/syscalls.c",
        access: "lib/posix-vfs/syscalls.c",
        statx: "lib/posix-vfs/syscalls.c",
        newfstatat: "lib/posix-vfs/syscalls.c", // strace name of fstatat; Unikraft also aliases fstatat/fstatat64 to it
        stat: "lib/posix-vfs/syscalls.c",
        lstat: "lib/posix-vfs/syscalls.c",
        fchownat: "lib/posix-vfs/syscalls.c",
        chown: "lib/posix-vfs/syscalls.c",
        lchown: "lib/posix-vfs/syscalls.c",
        fchmodat2: "lib/posix-vfs/syscalls.c",
        fchmodat: "lib/posix-vfs/syscalls.c",
        chmod: "lib/posix-vfs/syscalls.c",
        futimesat: "lib/posix-vfs/syscalls.c",
        utimes: "lib/posix-vfs/syscalls.c",
        utime: "lib/posix-vfs/syscalls.c",
        utimensat: "lib/posix-vfs/syscalls.c",
        readlinkat: "lib/posix-vfs/syscalls.c",
        readlink: "lib/posix-vfs/syscalls.c",
        getdents64: "lib/posix-vfs/syscalls.c",
        truncate: "lib/posix-vfs/syscalls.c",
        mkdirat: "lib/posix-vfs/syscalls.c",
        mkdir: "lib/posix-vfs/syscalls.c",
        linkat: "lib/posix-vfs/syscalls.c",
        link: "lib/posix-vfs/syscalls.c",
        symlinkat: "lib/posix-vfs/syscalls.c",
        symlink: "lib/posix-vfs/syscalls.c",
        mknodat: "lib/posix-vfs/syscalls.c",
        mknod: "lib/posix-vfs/syscalls.c",
        unlinkat: "lib/posix-vfs/syscalls.c",
        unlink: "lib/posix-vfs/syscalls.c",
        rmdir: "lib/posix-vfs/syscalls.c",
        renameat2: "lib/posix-vfs/syscalls.c",
        renameat: "lib/posix-vfs/syscalls.c",
        rename: "lib/posix-vfs/syscalls.c",
        mount: "lib/posix-vfs/syscalls.c",
        umount2: "lib/posix-vfs/syscalls.c",
        openat: "lib/posix-vfs/syscalls.c",
        open: "lib/posix-vfs/syscalls.c",
        creat: "lib/posix-vfs/syscalls.c",
        // legacy vfscore; posix-vfs returns -ENOSYS (TODO) for getdents; file assumed, not re-read:
        getdents: "lib/vfscore/main.c",
        epoll_create: "lib/posix-poll/epoll.c",
        epoll_create1: "lib/posix-poll/epoll.c",
        epoll_ctl: "lib/posix-poll/epoll.c",
        epoll_wait: "lib/posix-poll/epoll.c",
        epoll_pwait: "lib/posix-poll/epoll.c",
        epoll_pwait2: "lib/posix-poll/epoll.c",
        poll: "lib/posix-poll/poll.c",
        ppoll: "lib/posix-poll/poll.c",
        select: "lib/posix-poll/select.c",
        pselect6: "lib/posix-poll/select.c",
        pipe: "lib/posix-pipe/pipe.c",
        pipe2: "lib/posix-pipe/pipe.c",
        eventfd: "lib/posix-eventfd/eventfd.c",
        eventfd2: "lib/posix-eventfd/eventfd.c",
        timerfd_create: "lib/posix-timerfd/timerfd.c",
        timerfd_settime: "lib/posix-timerfd/timerfd.c",
        timerfd_gettime: "lib/posix-timerfd/timerfd.c",
        // needs a socket driver, e.g. lib-lwip (not read):
        socket: "lib/posix-socket/socket.c",
        bind: "lib/posix-socket/socket.c",
        listen: "lib/posix-socket/socket.c",
        accept: "lib/posix-socket/socket.c",
        accept4: "lib/posix-socket/socket.c",
        connect: "lib/posix-socket/socket.c",
        shutdown: "lib/posix-socket/socket.c",
        getsockname: "lib/posix-socket/socket.c",
        getpeername: "lib/posix-socket/socket.c",
        getsockopt: "lib/posix-socket/socket.c",
        setsockopt: "lib/posix-socket/socket.c",
        sendto: "lib/posix-socket/socket.c",
        recvfrom: "lib/posix-socket/socket.c",
        sendmsg: "lib/posix-socket/socket.c",
        recvmsg: "lib/posix-socket/socket.c",
        socketpair: "lib/posix-socket/socket.c",
        mmap: "lib/posix-mmap/mmap.c",
        munmap: "lib/posix-mmap/mmap.c",
        mprotect: "lib/posix-mmap/mmap.c",
        madvise: "lib/posix-mmap/mmap.c", // only MADV_DONTNEED acts; other advice is validated and ignored
        futex: "lib/posix-futex/futex.c", // WAIT, WAKE, CMP_REQUEUE, WAIT_BITSET with full mask; others -ENOSYS
        set_tid_address: "lib/posix-futex/futex.c",
        nanosleep: "lib/posix-time/time.c",
        time: "lib/posix-time/time.c",
        gettimeofday: "lib/posix-time/time.c",
        clock_getres: "lib/posix-time/time.c",
        clock_gettime: "lib/posix-time/time.c",
        clock_nanosleep: "lib/posix-time/time.c", // only relative CLOCK_REALTIME sleeps; otherwise warns and returns 0
        // read in an older copy (03584ee3) with its Makefile.uk (2487d9ef); newest timer.c not confirmed:
        timer_create: "lib/posix-time/timer.c",
        timer_settime: "lib/posix-time/timer.c",
        timer_gettime: "lib/posix-time/timer.c",
        timer_getoverrun: "lib/posix-time/timer.c",
        timer_delete: "lib/posix-time/timer.c",
        sysinfo: "lib/posix-sysinfo/sysinfo.c",
        uname: "lib/posix-sysinfo/sysinfo.c",
        sethostname: "lib/posix-sysinfo/sysinfo.c",
        getcpu: "lib/posix-sysinfo/sysinfo.c", // always reports CPU 0, node 0
        getrandom: "lib/ukrandom/getrandom.c",
        sched_yield: "lib/uksched/sched.c",
        getpid: "lib/posix-process/process.c",
        gettid: "lib/posix-process/process.c",
        getppid: "lib/posix-process/process.c",
        exit: "lib/posix-process/exit.c",
        exit_group: "lib/posix-process/exit.c",
        // real with LIBPOSIX_PROCESS_MULTIPROCESS; otherwise -ECHILD:
        wait4: "lib/posix-process/wait.c",
        waitid: "lib/posix-process/wait.c",
        clone: "lib/posix-process/clone.c",
        vfork: "lib/posix-process/vfork.c",
        execve: "lib/posix-process/execve.c", // loads ELF via binfmt loaders
        brk: "lib/posix-process/brk.c",
        arch_prctl: "lib/posix-process/arch/x86_64/arch_prctl.c", // moved here from app-elfloader in v0.20
        // real with LIBPOSIX_PROCESS_SIGNAL; a warn-and-return-0 stub otherwise:
        rt_sigaction: "lib/posix-process/signal/rt_sigaction.c",
        kill: "lib/posix-process/signal/kill.c",
        pause: "lib/posix-process/signal/pause.c",
        // file named after the call in the index listing; body not read:
        rt_sigprocmask: "lib/posix-process/signal/rt_sigprocmask.c",
        rt_sigpending: "lib/posix-process/signal/rt_sigpending.c",
        rt_sigsuspend: "lib/posix-process/signal/rt_sigsuspend.c",
        rt_sigtimedwait: "lib/posix-process/signal/rt_sigtimedwait.c",
        rt_sigqueueinfo: "lib/posix-process/signal/rt_sigqueueinfo.c",
        rt_tgsigqueueinfo: "lib/posix-process/signal/rt_tgsigqueueinfo.c",
        sigaltstack: "lib/posix-process/signal/sigaltstack.c",
        tgkill: "lib/posix-process/signal/tgkill.c",
        tkill: "lib/posix-process/signal/tkill.c",
        signalfd: "lib/posix-process/signal/signal_file.c",
        signalfd4: "lib/posix-process/signal/signal_file.c",
        // reports RLIMIT_STACK/NOFILE only; new limits ignored (older copy 04f60124):
        getrlimit: "lib/posix-process/deprecated.c",
        prlimit64: "lib/posix-process/deprecated.c",
    },
    stubbed: {
        setsid: "lib/posix-process/deprecated.c", // -EPERM: one session (older copy 04f60124)
        // fixed 0 for the calling process (older copy 04f60124):
        getsid: "lib/posix-process/deprecated.c",
        getpgid: "lib/posix-process/deprecated.c",
        getpgrp: "lib/posix-process/deprecated.c",
        setpgid: "lib/posix-process/deprecated.c", // accepts only (0, 0) (older copy 04f60124)
        // only the default priority (older copy 04f60124):
        getpriority: "lib/posix-process/deprecated.c",
        setpriority: "lib/posix-process/deprecated.c",
        prctl: "lib/posix-process/deprecated.c", // UK_WARN_STUBBED, returns 0 (older copy 04f60124)
        setrlimit: "lib/posix-process/deprecated.c", // limits are ignored (older copy 04f60124)
        getrusage: "lib/posix-process/deprecated.c", // zero-filled (older copy 04f60124)
        alarm: "lib/posix-process/signal/alarm.c", // returns 0, no timer
        // UK_WARN_STUBBED, returns 0:
        settimeofday: "lib/posix-time/time.c",
        clock_settime: "lib/posix-time/time.c",
        setitimer: "lib/posix-time/time.c",
        times: "lib/posix-time/time.c", // -ENOTSUP
        msync: "lib/posix-mmap/mmap.c", // returns 0: no write-back of file mappings
        mlock: "lib/posix-mmap/mmap.c", // returns 0: no swap
        // single root user: always 0:
        getuid: "lib/posix-user/user.c",
        geteuid: "lib/posix-user/user.c",
        // accepts only uid 0:
        setuid: "lib/posix-user/user.c",
        setreuid: "lib/posix-user/user.c",
        setresuid: "lib/posix-user/user.c",
        getresuid: "lib/posix-user/user.c", // always 0
        setfsuid: "lib/posix-user/user.c", // returns 0, no effect
        // return 0, no effect:
        capget: "lib/posix-user/user.c",
        capset: "lib/posix-user/user.c",
        // always 0 (seen in an older copy):
        getgid: "lib/posix-user/group.c",
        getegid: "lib/posix-user/group.c",
        // no effect (seen in an older copy):
        setgid: "lib/posix-user/group.c",
        setregid: "lib/posix-user/group.c",
        getresgid: "lib/posix-user/group.c", // always 0
        setresgid: "lib/posix-user/group.c", // accepts only gid 0
        setfsgid: "lib/posix-user/group.c", // returns 0, no effect
        getgroups: "lib/posix-user/group.c", // always an empty list
        setgroups: "lib/posix-user/group.c", // accepts only gid 0, no effect
        flock: "lib/vfscore/main.c", // validates the operation and returns 0; no locking
    },
};
