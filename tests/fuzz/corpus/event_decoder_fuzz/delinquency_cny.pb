
	evt-del-2Àš›Íå®¢æˆ·-2"acct-2R(_	
CNY€Û5"
2025-11-28*personal_loan