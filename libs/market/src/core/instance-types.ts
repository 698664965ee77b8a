/**
 * The instance types the market trades. A book is per (zone, instance type); prices are per
 * GPU-hour, so what one node-hour costs depends on the type's GPU count. Capacities in compute
 * name one of these.
 */
export interface InstanceType {
  name: string;
  gpuModel: string;
  gpuCount: number;
  cpu: number;
  memoryMb: number;
}

export const INSTANCE_TYPES: readonly InstanceType[] = [
  // A Nanopod partner node: two consumer GPUs with 24 GB each.
  { name: 'rtx4090x2', gpuModel: 'rtx4090', gpuCount: 2, cpu: 24, memoryMb: 131_072 },
  { name: 'rtx4090x1', gpuModel: 'rtx4090', gpuCount: 1, cpu: 12, memoryMb: 65_536 },
  { name: 'l4x1', gpuModel: 'l4', gpuCount: 1, cpu: 8, memoryMb: 32_768 },
  { name: 'a100x8', gpuModel: 'a100', gpuCount: 8, cpu: 96, memoryMb: 1_048_576 },
  { name: 'h100x8', gpuModel: 'h100', gpuCount: 8, cpu: 112, memoryMb: 2_097_152 },
];

const BY_NAME = new Map(INSTANCE_TYPES.map((t) => [t.name, t]));

export function instanceType(name: string): InstanceType | null {
  return BY_NAME.get(name) ?? null;
}
