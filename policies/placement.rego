# Placement: which node kinds a workload class may run on.
#
# Input: {"workload_class": "latency_tolerant" | "latency_sensitive", "node": {"kind": "federated" | "infiniband"}}
#
# Latency-sensitive work needs the low, predictable latency of the centralized InfiniBand
# clusters; latency-tolerant work may also run on partners' federated nodes.
# The subsidy policy imports allowed_node_kinds, so a change here applies to both.
package nanopod.placement

allowed_node_kinds := {
	"latency_tolerant": {"federated", "infiniband"},
	"latency_sensitive": {"infiniband"},
}

# The node kinds the input's workload class may use (undefined for an unknown class).
node_kinds := allowed_node_kinds[input.workload_class]

default allow := false

allow if input.node.kind in allowed_node_kinds[input.workload_class]
