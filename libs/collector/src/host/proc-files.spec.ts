import {
  countTcpStates,
  memoryStates,
  parseCmdline,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseOsRelease,
  parsePasswd,
  parsePidIo,
  parsePidStat,
  parsePidStatus,
  parseProcStat,
  parseSwaps,
  parseVmstat,
  processStatus,
} from './proc-files';

/** Fixture text as a Debian 12 / Linux 6.x machine writes these files. */
describe('/proc parsers', () => {
  it('/proc/stat: per-CPU seconds by state (ticks / 100), not the all-CPU line; processes created and boot time', () => {
    const text = [
      'cpu  15427 0 7344 55506 500 0 117 49 0 0',
      'cpu0 7286 10 3210 28897 43 1 19 27 0 0',
      'cpu1 8141 0 4134 26608 457 0 97 22 0 0',
      'intr 646373 0 0',
      'ctxt 1939399',
      'btime 1765060000',
      'processes 10516',
      'procs_running 2',
    ].join('\n');
    const { cpus, processesCreated, bootTimeMs } = parseProcStat(text);
    expect(cpus).toHaveLength(2);
    expect(cpus[0]).toEqual({ cpu: '0', user: 72.86, nice: 0.1, system: 32.1, idle: 288.97, wait: 0.43, interrupt: 0.01, softirq: 0.19, steal: 0.27 });
    expect(cpus[1].wait).toBeCloseTo(4.57);
    expect(processesCreated).toBe(10516);
    expect(bootTimeMs).toBe(1765060000_000);
  });

  it('/proc/meminfo: kB lines in bytes; memory states as the receiver computes them on Linux', () => {
    const info = parseMeminfo(
      [
        'MemTotal:       24683784 kB',
        'MemFree:        22988784 kB',
        'MemAvailable:   24047540 kB',
        'Buffers:           55392 kB',
        'Cached:          1143108 kB',
        'SReclaimable:     231680 kB',
        'SUnreclaim:        35128 kB',
        'HugePages_Total:       0',
      ].join('\n'),
    );
    expect(info.MemTotal).toBe(24683784 * 1024);
    expect(info.HugePages_Total).toBe(0);
    const { total, states } = memoryStates(info);
    expect(total).toBe(24683784 * 1024);
    expect(states.used).toBe((24683784 - 22988784 - 55392 - 1143108 - 231680) * 1024);
    expect(states.slab_unreclaimable).toBe(35128 * 1024);
    // used + free + buffered + cached + slab_reclaimable is the whole of memory.
    expect(states.used + states.free + states.buffered + states.cached + states.slab_reclaimable).toBe(total);
  });

  it('/proc/loadavg', () => {
    expect(parseLoadavg('0.88 0.90 0.43 1/175 9888\n')).toEqual({ m1: 0.88, m5: 0.9, m15: 0.43 });
  });

  it('/proc/mounts: storage-backed filesystems once per mount point, octal escapes decoded, ro/rw mode', () => {
    const mounts = parseMounts(
      [
        'proc /proc proc rw,relatime 0 0',
        'sysfs /sys sysfs rw,relatime 0 0',
        '/dev/vda / ext4 rw,relatime,discard 0 0',
        'tmpfs /dev/shm tmpfs rw,relatime,size=24683784k 0 0',
        'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
        '/dev/vdb1 /mnt/my\\040data xfs ro,noatime 0 0',
        'tmpfs /dev/shm tmpfs rw,nosuid 0 0',
      ].join('\n'),
    );
    expect(mounts).toEqual([
      { device: '/dev/vda', mountpoint: '/', type: 'ext4', mode: 'rw' },
      { device: 'tmpfs', mountpoint: '/dev/shm', type: 'tmpfs', mode: 'rw' },
      { device: '/dev/vdb1', mountpoint: '/mnt/my data', type: 'xfs', mode: 'ro' },
    ]);
  });

  it('/proc/diskstats: bytes from 512-byte sectors, seconds from ms; devices that never did I/O are left out', () => {
    const disks = parseDiskstats(
      [
        '   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
        ' 254       0 vda 44179 9543 1700506 13124 29364 85492 5562536 40500 2 10388 54803 9635 35 747056 888 4719 290',
      ].join('\n'),
    );
    expect(disks).toEqual([
      {
        device: 'vda',
        readOps: 44179,
        readMerged: 9543,
        readBytes: 1700506 * 512,
        readSeconds: 13.124,
        writeOps: 29364,
        writeMerged: 85492,
        writeBytes: 5562536 * 512,
        writeSeconds: 40.5,
        pending: 2,
        ioSeconds: 10.388,
        weightedIoSeconds: 54.803,
      },
    ]);
  });

  it('/proc/net/dev: both directions per interface, header lines skipped', () => {
    const nets = parseNetDev(
      [
        'Inter-|   Receive                                                |  Transmit',
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
        '    lo:   40872     563    0    0    0     0          0         0    40872     563    0    0    0     0       0          0',
        '  eth0: 571696154   14529    3    7    0     0          0         0  1605229   10581    1    2    0     0       0          0',
      ].join('\n'),
    );
    expect(nets.map((n) => n.device)).toEqual(['lo', 'eth0']);
    expect(nets[1]).toEqual({
      device: 'eth0',
      receive: { bytes: 571696154, packets: 14529, errors: 3, dropped: 7 },
      transmit: { bytes: 1605229, packets: 10581, errors: 1, dropped: 2 },
    });
  });

  it('/proc/swaps: used and free bytes per device; none without swap', () => {
    expect(parseSwaps('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n')).toEqual([]);
    expect(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n/swap.img  file  2097148  1024  -2\n')).toEqual([
      { device: '/swap.img', used: 1024 * 1024, free: (2097148 - 1024) * 1024 },
    ]);
  });

  it('/proc/vmstat and /proc/net/tcp', () => {
    expect(parseVmstat('pgpgin 1291513\npgfault 3896058\npgmajfault 915\n')).toEqual({ pgpgin: 1291513, pgfault: 3896058, pgmajfault: 915 });
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   107        0 9774 1 0 100 0 0 10 0',
      '   1: 0100007F:0CEA 0100007F:D2B4 01 00000000:00000000 00:00000000 00000000   107        0 9775 1 0 100 0 0 10 0',
    ].join('\n');
    const tcp6 = '  sl  local_address ...\n   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0 0 0 0 1\n';
    expect(countTcpStates([tcp, tcp6])).toEqual({ LISTEN: 2, ESTABLISHED: 1 });
  });

  it('/proc/<pid>/stat: a command name with blanks and parentheses; seconds from ticks; start after boot', () => {
    const stat =
      '4242 (node (worker) 1) S 4200 4242 6430 0 -1 4194304 100 0 0 0 1234 567 0 0 20 0 11 0 45022 1203133440 38100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 25 0 0';
    expect(parsePidStat(stat)).toEqual({
      pid: 4242,
      comm: 'node (worker) 1',
      state: 'S',
      ppid: 4200,
      userSeconds: 12.34,
      systemSeconds: 5.67,
      threads: 11,
      startSecondsAfterBoot: 450.22,
      virtualBytes: 1203133440,
      waitSeconds: 0.25,
    });
    expect(parsePidStat('garbage')).toBeUndefined();
  });

  it('/proc/<pid>/status, io and cmdline; /etc/passwd and /etc/os-release', () => {
    expect(parsePidStatus('Name:\tnode\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nVmSize:\t 1174936 kB\nVmRSS:\t  152400 kB\n')).toEqual({
      uid: 1000,
      rssBytes: 152400 * 1024,
    });
    // Kernel threads have no VmRSS.
    expect(parsePidStatus('Name:\tkthreadd\nUid:\t0\t0\t0\t0\n')).toEqual({ uid: 0, rssBytes: 0 });
    expect(parsePidIo('rchar: 6976\nwchar: 0\nread_bytes: 4096\nwrite_bytes: 8192\n')).toEqual({ readBytes: 4096, writeBytes: 8192 });
    expect(parsePidIo('')).toBeUndefined();
    expect(parseCmdline('node\0server.js\0--port\0\0')).toEqual(['node', 'server.js', '--port', '']);
    expect(parseCmdline('')).toEqual([]);
    const users = parsePasswd('root:x:0:0:root:/root:/bin/bash\npostgres:x:105:111::/var/lib/postgresql:/bin/bash\n#comment\n');
    expect(users.get(0)).toBe('root');
    expect(users.get(105)).toBe('postgres');
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(parseOsRelease('ID=alpine\n')).toBeUndefined();
  });

  it('process status names follow the processes scraper', () => {
    expect(['R', 'S', 'D', 'Z', 'T', 't', 'I', 'W', 'X'].map(processStatus)).toEqual([
      'running',
      'sleeping',
      'blocked',
      'zombies',
      'stopped',
      'stopped',
      'idle',
      'paging',
      'unknown',
    ]);
  });
});
