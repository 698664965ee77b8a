package nanopod.placement_test

import data.nanopod.placement

test_latency_tolerant_runs_on_federated_nodes if {
	placement.allow with input as {"workload_class": "latency_tolerant", "node": {"kind": "federated"}}
}

test_latency_tolerant_runs_on_infiniband if {
	placement.allow with input as {"workload_class": "latency_tolerant", "node": {"kind": "infiniband"}}
}

test_latency_sensitive_runs_on_infiniband if {
	placement.allow with input as {"workload_class": "latency_sensitive", "node": {"kind": "infiniband"}}
}

test_latency_sensitive_never_on_federated_nodes if {
	not placement.allow with input as {"workload_class": "latency_sensitive", "node": {"kind": "federated"}}
}

test_unknown_workload_class_is_not_placed if {
	not placement.allow with input as {"workload_class": "batch", "node": {"kind": "infiniband"}}
}

test_missing_node_is_not_placed if {
	not placement.allow with input as {"workload_class": "latency_tolerant"}
}

test_node_kinds_for_a_class if {
	placement.node_kinds == {"infiniband"} with input as {"workload_class": "latency_sensitive"}
}

test_a_node_can_exclude_a_kind_of_work if {
	not placement.allow with input as {
		"workload_class": "latency_tolerant",
		"request": {"kind": "sandbox"},
		"node": {"kind": "federated", "labels": {"nanopod.io/exclude": "sandbox"}},
	}
	placement.allow with input as {
		"workload_class": "latency_tolerant",
		"request": {"kind": "deployment_node"},
		"node": {"kind": "federated", "labels": {"nanopod.io/exclude": "sandbox"}},
	}
}

test_tolerant_work_prefers_federated_nodes if {
	fed := placement.score with input as {"workload_class": "latency_tolerant", "node": {"kind": "federated"}}
	ib := placement.score with input as {"workload_class": "latency_tolerant", "node": {"kind": "infiniband"}}
	fed > ib
}

test_a_deny_says_why if {
	placement.reasons == {"latency_sensitive_not_on_federated"} with input as {
		"workload_class": "latency_sensitive",
		"request": {"kind": "sandbox"},
		"node": {"kind": "federated", "labels": {}},
	}
}
