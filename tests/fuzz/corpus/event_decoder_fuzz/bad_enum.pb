
	evt-bad-2Àš›Ícust-3jc