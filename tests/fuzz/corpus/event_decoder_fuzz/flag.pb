

evt-flag-1Àš›Ícust-1"acct-1rÀ´¹Î