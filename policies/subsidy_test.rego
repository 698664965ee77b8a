package nanopod.subsidy_test

import data.nanopod.subsidy

request := {
	"kind": "sandbox",
	"workload_class": "latency_tolerant",
	"gpus": 1,
	"gpu_type": "H100",
	"estimated_gpu_hours": 2,
	"estimated_cost": 800,
	"node_kind": null,
}

trusted := {
	"score": 82,
	"parts": {"github": {"score": 60}, "passport": {"score": 22}},
	"passport": {"score": 22, "passing": true},
}

grant := {"id": "g1", "status": "active", "monthly_gpu_hours": 40, "rate_multiplier": 0}

base := {
	"subject": {"user_id": "u1", "github_login": "octocat", "roles": ["developer"]},
	"request": request,
	"reputation": trusted,
	"grants": [grant],
	"usage": {"month_gpu_hours": 10},
	"balance": {"available": 5000},
}

# Replaces whole parts of the input (object.union would merge nested objects).
with_parts(obj, parts) := object.union(object.remove(obj, [k | some k, _ in parts]), parts)

test_high_reputation_with_an_active_grant_is_free_up_to_the_cap if {
	d := subsidy.decision with input as base
	d.allow == true
	d.tier == "grant"
	d.rate_multiplier == 0
	d.max_gpu_hours == 30
	d.reasons == ["fully_subsidized", "grant_active_high_reputation"]
}

test_free_work_needs_no_balance if {
	d := subsidy.decision with input as object.remove(base, ["balance"])
	d.allow == true
	d.rate_multiplier == 0
}

test_grant_rate_multiplier_is_used if {
	half := object.union(grant, {"rate_multiplier": 0.25})
	d := subsidy.decision with input as with_parts(base, {"grants": [half]})
	d.tier == "grant"
	d.rate_multiplier == 0.25
	"balance_covers_cost" in d.reasons
}

test_exhausted_grant_falls_back_to_passport if {
	d := subsidy.decision with input as with_parts(base, {"usage": {"month_gpu_hours": 40}})
	d.allow == true
	d.tier == "passport"
	d.rate_multiplier == 0.5
	d.max_gpu_hours == 2
	d.reasons == ["balance_covers_cost", "grant_hours_exhausted", "passport_passing"]
}

test_low_reputation_with_passport_pays_half if {
	rep := object.union(trusted, {"score": 40})
	d := subsidy.decision with input as with_parts(base, {"reputation": rep})
	d.tier == "passport"
	d.rate_multiplier == 0.5
	"reputation_below_threshold" in d.reasons
}

test_no_grant_no_passport_pays_full_price if {
	rep := {"score": 90, "passport": {"score": 5, "passing": false}}
	d := subsidy.decision with input as with_parts(base, {"reputation": rep, "grants": []})
	d.allow == true
	d.tier == "standard"
	d.rate_multiplier == 1
	d.reasons == ["balance_covers_cost", "full_price", "no_active_grant", "passport_not_passing"]
}

test_unknown_reputation_never_qualifies if {
	d := subsidy.decision with input as with_parts(base, {"reputation": {"status": "unknown"}})
	d.tier == "standard"
	d.rate_multiplier == 1
	"reputation_unknown" in d.reasons
	"passport_unknown" in d.reasons
}

test_unknown_passport_part_does_not_count_as_passing if {
	rep := {"score": 50, "passport": {"status": "unknown"}}
	d := subsidy.decision with input as with_parts(base, {"reputation": rep})
	d.tier == "standard"
	"passport_unknown" in d.reasons
}

test_unknown_score_status_does_not_count_even_with_a_number if {
	rep := object.union(trusted, {"status": "unknown"})
	d := subsidy.decision with input as with_parts(base, {"reputation": rep})
	d.tier == "passport"
	"reputation_unknown" in d.reasons
}

test_unknown_grants_do_not_qualify if {
	d := subsidy.decision with input as with_parts(base, {"grants": {"status": "unknown"}})
	d.tier == "passport"
	"no_active_grant" in d.reasons
}

test_expired_grant_does_not_count if {
	old := object.union(grant, {"status": "expired"})
	d := subsidy.decision with input as with_parts(base, {"grants": [old]})
	d.tier == "passport"
}

test_unknown_usage_does_not_qualify_for_the_grant if {
	d := subsidy.decision with input as with_parts(base, {"usage": {"status": "unknown"}})
	d.tier == "passport"
	"usage_unknown" in d.reasons
}

test_caps_of_several_grants_add_up if {
	g2 := {"id": "g2", "status": "active", "monthly_gpu_hours": 20, "rate_multiplier": 0.5}
	d := subsidy.decision with input as with_parts(base, {"grants": [grant, g2]})
	d.max_gpu_hours == 50
	d.rate_multiplier == 0
}

test_latency_sensitive_work_never_on_federated_nodes if {
	req := object.union(request, {"workload_class": "latency_sensitive", "node_kind": "federated"})
	d := subsidy.decision with input as with_parts(base, {"request": req})
	d.allow == false
	d.max_gpu_hours == 0
	"latency_sensitive_on_federated" in d.reasons
}

test_latency_sensitive_work_on_infiniband_is_allowed if {
	req := object.union(request, {"workload_class": "latency_sensitive", "node_kind": "infiniband"})
	d := subsidy.decision with input as with_parts(base, {"request": req})
	d.allow == true
}

test_unknown_node_kind_is_denied if {
	req := object.union(request, {"node_kind": "mainframe"})
	d := subsidy.decision with input as with_parts(base, {"request": req})
	d.allow == false
	"node_kind_not_allowed" in d.reasons
}

test_balance_must_cover_the_unsubsidized_part if {
	rep := object.union(trusted, {"score": 10})
	d := subsidy.decision with input as with_parts(base, {"reputation": rep, "balance": {"available": 399}})
	d.allow == false
	d.tier == "passport"
	d.max_gpu_hours == 0
	"insufficient_balance" in d.reasons
}

test_balance_exactly_covering_is_enough if {
	rep := object.union(trusted, {"score": 10})
	d := subsidy.decision with input as with_parts(base, {"reputation": rep, "balance": {"available": 400}})
	d.allow == true
}

test_paid_work_without_a_known_balance_is_denied if {
	rep := object.union(trusted, {"score": 10})
	d := subsidy.decision with input as with_parts(base, {"reputation": rep, "balance": {"status": "unknown"}})
	d.allow == false
	"balance_unknown" in d.reasons
}

test_only_subject_and_request_pays_full_price_and_is_denied_without_balance if {
	d := subsidy.decision with input as {"subject": base.subject, "request": request}
	d.allow == false
	d.tier == "standard"
	d.rate_multiplier == 1
	d.reasons == ["balance_unknown", "full_price", "no_active_grant", "passport_unknown", "reputation_unknown"]
}

test_request_without_cost_has_nothing_to_cover if {
	req := object.remove(request, ["estimated_cost"])
	d := subsidy.decision with input as {"request": req, "balance": {"available": 0}}
	d.allow == true
	d.rate_multiplier == 1
}
