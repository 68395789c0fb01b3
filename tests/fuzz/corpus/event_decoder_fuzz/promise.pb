
	evt-ptp-1Àš›Ícust-1"acct-1b

2026-03-10
GBPˆ'