

evt-prof-1Àš›Ícust-1zI
America/New_YorkUS-NY+15550001234"jane.doe@example.test*en-US2