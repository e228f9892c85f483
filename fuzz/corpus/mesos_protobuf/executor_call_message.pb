

broker-0-executor+
)7c1e0d4a-2b9f-4c61-8e35-0f6a9d2b4e11-00002hello