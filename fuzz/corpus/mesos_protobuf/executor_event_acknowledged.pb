'

broker-0.3e8f2c1a›<.MzOŠc,^}Ÿ