
	evt-pay-1Àš›Ícust-1"acct-1Z

USD¹`