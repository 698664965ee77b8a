import { Injectable } from '@nestjs/common';
import { ActivePolicyService } from '../runtime/active-policy.service';
import { PlacementJudge } from './placement-judge';

/**
 * The active placement policy (`data.nanopod.placement`) for the contexts that place work:
 * sandboxes, deployment nodes, orders. Each asks for the judge of the moment and filters its
 * own hard limits (capacity, health, trust) around it. The judge changes when an activation
 * changes the compiled set, so its remembered verdicts never outlive the policy they came from.
 */
@Injectable()
export class PlacementPolicy {
  private judgeOf: PlacementJudge | null = null;

  constructor(private readonly active: ActivePolicyService) {}

  /** The judge of the active set; with nothing active (or not compiling) every verdict is a deny. */
  judge(): PlacementJudge {
    const set = this.active.current();
    const compiled = set?.compiled ?? null;
    if (!this.judgeOf || this.judgeOf.compiled !== compiled) {
      this.judgeOf = new PlacementJudge(compiled, set?.versions ?? {});
    }
    return this.judgeOf;
  }
}
