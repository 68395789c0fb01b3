
	evt-del-1Àš›Í€Êµîcust-1"acct-1R/
USD¹`
USDÄ"
2026-02-16*credit_card