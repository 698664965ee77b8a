/** A run of consecutive hour blocks and how many nodes to trade in each. */
export interface TradeRun {
  startHour: number;
  hours: number;
  nodes: number;
}

/**
 * What a procurement trades this tick so each block of the window holds what it needs: buys
 * where coverage falls short, sells back where it exceeds (blocks after the current one only:
 * the current block's nodes may still be draining). Runs of blocks with the same gap become
 * one order each.
 */
export function planProcurement(
  nowHour: number,
  need: number[],
  coverage: number[],
): { buys: TradeRun[]; sells: TradeRun[] } {
  const buys: TradeRun[] = [];
  const sells: TradeRun[] = [];
  const push = (runs: TradeRun[], hour: number, nodes: number) => {
    const last = runs[runs.length - 1];
    if (last && last.nodes === nodes && last.startHour + last.hours === hour) last.hours += 1;
    else runs.push({ startHour: hour, hours: 1, nodes });
  };
  for (let i = 0; i < need.length; i++) {
    const gap = need[i] - coverage[i];
    if (gap > 0) push(buys, nowHour + i, gap);
    else if (gap < 0 && i > 0) push(sells, nowHour + i, -gap);
  }
  return { buys, sells };
}
