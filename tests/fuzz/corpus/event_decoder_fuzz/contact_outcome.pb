
	evt-out-1Àš›Ícust-1jd-0123456789abcdef