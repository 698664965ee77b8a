import { execFile } from 'node:child_process';
import type { GpuInventory } from '@nanopod/federation';

function run(bin: string, args: string[]): Promise<string | null> {
  return new Promise((resolvePromise) => {
    execFile(bin, args, { timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      resolvePromise(err ? null : stdout);
    });
  });
}

/** Parses `nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): GpuInventory[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [index, name, memory, driver] = line.split(',').map((s) => s.trim());
      return {
        index: Number(index),
        model: name,
        memory_mb: Math.round(Number(memory)),
        driver: driver || null,
        vendor: 'nvidia' as const,
      };
    })
    .filter((gpu) => Number.isFinite(gpu.index));
}

/** Parses `rocm-smi --showproductname --showmeminfo vram --showdriverversion --json`. */
export function parseRocmSmi(json: string): GpuInventory[] {
  const data = JSON.parse(json) as Record<string, Record<string, string>>;
  const driver = data.system?.['Driver version'] ?? null;
  return Object.entries(data)
    .filter(([key]) => /^card\d+$/.test(key))
    .map(([key, card]) => {
      const bytes = Number(card['VRAM Total Memory (B)'] ?? 0);
      return {
        index: Number(key.slice(4)),
        model: card['Card series'] ?? card['Card model'] ?? 'AMD GPU',
        memory_mb: Math.round(bytes / (1024 * 1024)),
        driver: card['Driver version'] ?? driver,
        vendor: 'amd' as const,
      };
    });
}

/** GPUs from nvidia-smi, else rocm-smi, else null (the caller uses the configured list). */
export async function probeGpus(): Promise<GpuInventory[] | null> {
  const nvidia = await run('nvidia-smi', [
    '--query-gpu=index,name,memory.total,driver_version',
    '--format=csv,noheader,nounits',
  ]);
  if (nvidia !== null) return parseNvidiaSmi(nvidia);
  const rocm = await run('rocm-smi', [
    '--showproductname',
    '--showmeminfo',
    'vram',
    '--showdriverversion',
    '--json',
  ]);
  if (rocm !== null) {
    try {
      return parseRocmSmi(rocm);
    } catch {
      return null;
    }
  }
  return null;
}
