import type { ContainerFiguresDto, PodFiguresDto } from '@meridian/api-contract';
import { isRestarting, nestPods, levelOf } from './cluster-map';

const container = (over: Partial<ContainerFiguresDto> = {}): ContainerFiguresDto => ({
  name: 'app',
  cpu: 0.1,
  cpuLimit: 1,
  cpuOfLimit: 0.1,
  memory: 100,
  memoryLimit: 1000,
  memoryOfLimit: 0.1,
  restarts: 0,
  restartsInWindow: 0,
  ready: true,
  ...over,
});
const pod = (namespace: string, workload: string, name: string, over: Partial<PodFiguresDto> = {}): PodFiguresDto => ({
  namespace,
  workloadKind: 'deployment',
  workload,
  name,
  node: 'n1',
  phase: 'Running',
  ready: true,
  restarts: 0,
  restartsInWindow: 0,
  demo: false,
  containers: [container()],
  ...over,
});

describe('cluster map', () => {
  it('levels a container by CPU or memory against its limit', () => {
    expect(levelOf(container({ cpuOfLimit: 0.49 }), 'cpu')).toBe('low');
    expect(levelOf(container({ cpuOfLimit: 0.5 }), 'cpu')).toBe('mid');
    expect(levelOf(container({ cpuOfLimit: 0.95 }), 'cpu')).toBe('high');
    expect(levelOf(container({ memoryOfLimit: 1.2 }), 'memory')).toBe('over');
    expect(levelOf(container({ memoryOfLimit: null }), 'memory')).toBe('none');
  });

  it('nests pods by namespace and workload, both sorted', () => {
    const nested = nestPods([pod('shop', 'web', 'web-1'), pod('batch', 'etl', 'etl-1'), pod('shop', 'api', 'api-1'), pod('shop', 'web', 'web-2')]);
    expect(nested.map((n) => [n.name, n.workloads.map((w) => [w.name, w.pods.map((p) => p.name)])])).toEqual([
      ['batch', [['etl', ['etl-1']]]],
      [
        'shop',
        [
          ['api', ['api-1']],
          ['web', ['web-1', 'web-2']],
        ],
      ],
    ]);
  });

  it('calls a pod restarting when it restarted within the window', () => {
    expect(isRestarting(pod('a', 'b', 'c', { restarts: 4 }))).toBe(false);
    expect(isRestarting(pod('a', 'b', 'c', { restarts: 4, restartsInWindow: 1 }))).toBe(true);
  });
});
