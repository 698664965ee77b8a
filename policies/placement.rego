# Placement: which nodes may take a piece of work, and which of them first.
#
# Evaluated as a whole package (data.nanopod.placement) once per kind of node, not per node:
# the platform filters hard limits itself (free CPU, memory and GPUs, health, cordon and drain,
# the workload classes the node was enrolled for, containment) and asks this policy about
# what remains.
#
# Input:
#   {"workload_class": "latency_tolerant" | "latency_sensitive",
#    "request": {"kind": "sandbox" | "deployment_node" | "order",
#                "zone": string | null, "gpu_type": string | null},
#    "node": {"kind": "federated" | "infiniband", "zone": string,
#             "gpu_models": [string], "labels": {string: string}}}
#
# Output: allow (boolean, required), score (number, higher placed first; default 0),
# reasons (strings, why not; shown in the no-capacity answer).
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

allow if {
	input.node.kind in allowed_node_kinds[input.workload_class]
	not excluded
}

# A node labelled nanopod.io/exclude=<kind of work> (e.g. "sandbox") takes none of that work.
excluded if input.node.labels["nanopod.io/exclude"] == input.request.kind

# Latency-tolerant work fills federated nodes before InfiniBand ones, keeping the clusters
# for the work that can only run there.
default score := 0

score := 1 if {
	input.workload_class == "latency_tolerant"
	input.node.kind == "federated"
}

reasons contains "unknown_workload_class" if not allowed_node_kinds[input.workload_class]

reasons contains sprintf("%s_not_on_%s", [input.workload_class, input.node.kind]) if {
	allowed_node_kinds[input.workload_class]
	not input.node.kind in allowed_node_kinds[input.workload_class]
}

reasons contains "node_excludes_this_work" if excluded
