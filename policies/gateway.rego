# Gateway: the rate limit tier of a caller (requests per minute), enforced by APISIX or by
# the platform's own API key check.
#
# Input:
#   caller: {"authenticated": true,
#            "via": "api_key" | "session" | "jwt",
#            "roles": ["developer" | "admin" | "partner"],
#            "scopes": ["read", "write", "admin"],       # of the credential used
#            "subsidy_tier": "grant" | "passport" | "standard"}   # optional, last decision
#
# Output: data.nanopod.gateway.rate_limit = {"tier": "…", "requests_per_minute": n}
#
# A caller gets the most generous tier its roles allow, except that a read-only API key
# is held to the read_only tier (scripts polling with read keys are the usual flood).
package nanopod.gateway

requests_per_minute := {
	"anonymous": 30,
	"read_only": 300,
	"developer": 600,
	"trusted": 1200,
	"partner": 3000,
	"admin": 6000,
}

rate_limit := {"tier": tier, "requests_per_minute": requests_per_minute[tier]}

default tier := "anonymous"

tier := "read_only" if {
	authenticated
	read_only_key
	not admin
}

tier := best_tier if {
	authenticated
	not read_only_key
}

tier := "admin" if {
	authenticated
	read_only_key
	admin
}

authenticated if input.caller.authenticated == true

admin if {
	"admin" in input.caller.roles
	"admin" in input.caller.scopes
}

read_only_key if {
	input.caller.via == "api_key"
	not "write" in input.caller.scopes
	not "admin" in input.caller.scopes
}

# Tiers this caller's roles and standing allow; the best one wins.
eligible contains "developer"

eligible contains "trusted" if input.caller.subsidy_tier == "grant"

eligible contains "partner" if "partner" in input.caller.roles

eligible contains "admin" if admin

best_rpm := max({requests_per_minute[t] | some t in eligible})

best_tier := t if {
	some t in eligible
	requests_per_minute[t] == best_rpm
}
