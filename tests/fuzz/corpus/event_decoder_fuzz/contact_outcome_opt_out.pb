
	evt-out-2Àš›Ícust-1"acct-1j