# Subsidy: who pays what for a compute request (a sandbox, a deployment or an order).
#
# The platform evaluates data.nanopod.subsidy.decision before any compute starts.
#
# Input (snake_case). Only subject and request are always there: every other part comes from
# another context and may be missing, or be {"status": "unknown"} when its source failed.
#
#   subject:    {"user_id": "…", "github_login": "octocat", "roles": ["developer"]}
#   request:    {"kind": "sandbox" | "deployment" | "order",
#                "workload_class": "latency_tolerant" | "latency_sensitive",
#                "gpus": 1, "gpu_type": "H100",
#                "estimated_gpu_hours": 2,      # upper bound for this request
#                "estimated_cost": 800,         # full price in credits (cents), before subsidy
#                "node_kind": "federated" | "infiniband" | null}   # when placement already knows
#   reputation: {"score": 0..100, "parts": {"github": {…}, "passport": {…}},
#                "passport": {"score": 23.5, "passing": true}}
#               any part, or the whole, may be {"status": "unknown"}
#   grants:     [{"id": "…", "status": "active", "monthly_gpu_hours": 40, "rate_multiplier": 0}]
#   usage:      {"month_gpu_hours": 12.5}     # GPU-hours used this calendar month
#   balance:    {"available": 5000}           # credits (cents) the user can spend
#
# Output: {"allow": bool, "tier": "grant" | "passport" | "standard",
#          "rate_multiplier": 0..1 (what the user pays of the list price),
#          "max_gpu_hours": hours this request may use (0 when denied),
#          "reasons": [codes explaining the outcome, sorted]}
#
# Rules in words:
#   - grant tier (free, or the grant's own rate): reputation score >= high_reputation_score,
#     at least one active grant, and GPU-hours left under the grants' monthly cap
#     (cap minus this month's usage). max_gpu_hours is what is left of the cap.
#   - passport tier (rate passport_rate): a passing Gitcoin Passport score.
#   - standard tier (full price) otherwise.
#   - Unknown never qualifies: an unknown score, passport, grant list or usage is "not passing".
#   - Latency-sensitive work never runs on federated nodes (see data.nanopod.placement).
#   - The user must be able to pay the unsubsidized part (estimated_cost x rate). When the
#     balance is absent or unknown, only fully subsidized work (rate 0) is allowed.
#     A request without estimated_cost has nothing to cover.
package nanopod.subsidy

import data.nanopod.placement

# Thresholds admins tune.
high_reputation_score := 70

passport_rate := 0.5

# ---------------------------------------------------------------- the decision

decision := {
	"allow": allow,
	"tier": tier,
	"rate_multiplier": rate_multiplier,
	"max_gpu_hours": max_gpu_hours,
	"reasons": sort([r | some r in reasons]),
}

default allow := false

allow if count(denials) == 0

default tier := "standard"

tier := "grant" if grant_qualifies

tier := "passport" if {
	not grant_qualifies
	passport_passing
}

rate_multiplier := grant_rate if tier == "grant"

rate_multiplier := passport_rate if tier == "passport"

rate_multiplier := 1 if tier == "standard"

max_gpu_hours := 0 if not allow

max_gpu_hours := grant_hours_left if {
	allow
	tier == "grant"
}

max_gpu_hours := requested_gpu_hours if {
	allow
	tier != "grant"
}

# ---------------------------------------------------------------- reputation

reputation_known if {
	is_number(input.reputation.score)
	not input.reputation.status == "unknown"
}

high_reputation if {
	reputation_known
	input.reputation.score >= high_reputation_score
}

passport_passing if input.reputation.passport.passing == true

passport_unknown if not is_boolean(input.reputation.passport.passing)

# ---------------------------------------------------------------- grants and usage

# A grant counts when it says it is active (or carries no status) and has a numeric cap.
active_grants := [g |
	some g in grant_list
	grant_is_active(g)
	is_number(g.monthly_gpu_hours)
]

default grant_list := []

grant_list := input.grants if is_array(input.grants)

grant_is_active(g) if not g.status

grant_is_active(g) if g.status == "active"

grant_rate_of(g) := g.rate_multiplier if is_number(g.rate_multiplier)

grant_rate_of(g) := 0 if not is_number(g.rate_multiplier)

grant_cap := sum([g.monthly_gpu_hours | some g in active_grants])

# The most generous rate among the active grants.
grant_rate := min([grant_rate_of(g) | some g in active_grants])

usage_known if is_number(input.usage.month_gpu_hours)

grant_hours_left := grant_cap - input.usage.month_gpu_hours if usage_known

grant_qualifies if {
	high_reputation
	count(active_grants) > 0
	grant_hours_left > 0
}

default requested_gpu_hours := 0

requested_gpu_hours := input.request.estimated_gpu_hours if is_number(input.request.estimated_gpu_hours)

# ---------------------------------------------------------------- balance

balance_known if {
	is_number(input.balance.available)
	not input.balance.status == "unknown"
}

default amount_due := 0

amount_due := input.request.estimated_cost * rate_multiplier if is_number(input.request.estimated_cost)

# ---------------------------------------------------------------- denials

denials contains "latency_sensitive_on_federated" if {
	input.request.workload_class == "latency_sensitive"
	input.request.node_kind == "federated"
}

denials contains "node_kind_not_allowed" if {
	is_string(input.request.node_kind)
	not input.request.node_kind in placement.allowed_node_kinds[input.request.workload_class]
	not input.request.workload_class == "latency_sensitive"
}

denials contains "balance_unknown" if {
	rate_multiplier > 0
	not balance_known
}

denials contains "insufficient_balance" if {
	rate_multiplier > 0
	balance_known
	input.balance.available < amount_due
}

# ---------------------------------------------------------------- reasons

reasons contains r if some r in denials

reasons contains "grant_active_high_reputation" if tier == "grant"

reasons contains "reputation_unknown" if {
	tier != "grant"
	not reputation_known
}

reasons contains "reputation_below_threshold" if {
	tier != "grant"
	reputation_known
	not high_reputation
}

reasons contains "no_active_grant" if {
	tier != "grant"
	count(active_grants) == 0
}

reasons contains "usage_unknown" if {
	tier != "grant"
	count(active_grants) > 0
	not usage_known
}

reasons contains "grant_hours_exhausted" if {
	tier != "grant"
	count(active_grants) > 0
	grant_hours_left <= 0
}

reasons contains "passport_passing" if tier == "passport"

reasons contains "passport_unknown" if {
	tier == "standard"
	passport_unknown
}

reasons contains "passport_not_passing" if {
	tier == "standard"
	not passport_unknown
	not passport_passing
}

reasons contains "full_price" if tier == "standard"

reasons contains "balance_covers_cost" if {
	rate_multiplier > 0
	balance_known
	input.balance.available >= amount_due
}

reasons contains "fully_subsidized" if rate_multiplier == 0
