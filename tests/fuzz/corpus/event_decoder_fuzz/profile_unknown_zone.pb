

evt-prof-2Àš›Ícust-2zCN+8613800138000*zh-CN