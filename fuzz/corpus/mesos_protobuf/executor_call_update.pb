

broker-0-executor+
)7c1e0d4a-2b9f-4c61-8e35-0f6a9d2b4e11-0000*f
d

broker-0.3e8f2c1a"broker listening on 310901;ßü(²ÙA:
broker-0-executorHZ›<.MzOŠc,^}Ÿ