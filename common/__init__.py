"""Small helpers every app may use (below netdesk → issuers → dsure): Japanese formats."""
