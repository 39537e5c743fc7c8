import type { ContainerFiguresDto, PodFiguresDto } from '@meridian/api-contract';

export type ColourBy = 'cpu' | 'memory';
/** Use against the limit: low < 50 %, mid < 80 %, high < 100 %, over ≥ 100 %; none without a limit or a reading. */
export type UseLevel = 'low' | 'mid' | 'high' | 'over' | 'none';
export const USE_LEVELS: UseLevel[] = ['low', 'mid', 'high', 'over', 'none'];

export function levelOf(c: ContainerFiguresDto, by: ColourBy): UseLevel {
  const v = by === 'cpu' ? c.cpuOfLimit : c.memoryOfLimit;
  if (v === null) return 'none';
  return v < 0.5 ? 'low' : v < 0.8 ? 'mid' : v < 1 ? 'high' : 'over';
}

/** A pod that restarted within the window. */
export const isRestarting = (p: PodFiguresDto) => p.restartsInWindow > 0;

export interface WorkloadGroup {
  key: string;
  kind: string;
  name: string;
  pods: PodFiguresDto[];
}

export interface NamespaceGroup {
  name: string;
  workloads: WorkloadGroup[];
}

/** Pods as the map nests them: namespace → workload → pod (the API's order: namespace, then pod name). */
export function nestPods(pods: readonly PodFiguresDto[]): NamespaceGroup[] {
  const namespaces = new Map<string, Map<string, WorkloadGroup>>();
  for (const p of pods) {
    let workloads = namespaces.get(p.namespace);
    if (!workloads) namespaces.set(p.namespace, (workloads = new Map()));
    const key = `${p.workloadKind}/${p.workload}`;
    let w = workloads.get(key);
    if (!w) workloads.set(key, (w = { key, kind: p.workloadKind, name: p.workload, pods: [] }));
    w.pods.push(p);
  }
  return [...namespaces.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, workloads]) => ({ name, workloads: [...workloads.values()].sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind)) }));
}
