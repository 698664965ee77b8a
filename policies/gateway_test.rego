package nanopod.gateway_test

import data.nanopod.gateway

developer := {"authenticated": true, "via": "api_key", "roles": ["developer"], "scopes": ["read", "write"]}

test_anonymous_callers_get_the_lowest_limit if {
	gateway.rate_limit == {"tier": "anonymous", "requests_per_minute": 30} with input as {"caller": {"authenticated": false}}
}

test_missing_caller_is_anonymous if {
	gateway.rate_limit.tier == "anonymous" with input as {}
}

test_developer_with_a_write_key if {
	gateway.rate_limit == {"tier": "developer", "requests_per_minute": 600} with input as {"caller": developer}
}

test_read_only_key_is_held_to_read_only if {
	caller := object.union(developer, {"scopes": ["read"]})
	gateway.rate_limit == {"tier": "read_only", "requests_per_minute": 300} with input as {"caller": caller}
}

test_read_only_scope_on_a_session_is_not_a_key if {
	caller := object.union(developer, {"via": "session", "scopes": ["read"]})
	gateway.rate_limit.tier == "developer" with input as {"caller": caller}
}

test_grant_holders_are_trusted if {
	caller := object.union(developer, {"subsidy_tier": "grant"})
	gateway.rate_limit.requests_per_minute == 1200 with input as {"caller": caller}
}

test_partners_get_the_partner_tier if {
	caller := object.union(developer, {"roles": ["developer", "partner"], "subsidy_tier": "grant"})
	gateway.rate_limit.tier == "partner" with input as {"caller": caller}
}

test_admin_needs_the_admin_scope if {
	caller := object.union(developer, {"roles": ["admin"]})
	gateway.rate_limit.tier == "developer" with input as {"caller": caller}
}

test_admin_with_admin_scope if {
	caller := object.union(developer, {"roles": ["admin"], "scopes": ["read", "write", "admin"]})
	gateway.rate_limit == {"tier": "admin", "requests_per_minute": 6000} with input as {"caller": caller}
}
