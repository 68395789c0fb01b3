
	evt-bad-1Àš›Ícust-3z%
	localtime
5550001234"not an email