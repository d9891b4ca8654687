"""SNOWMAN: curated answers to civil servants' questions on the performance rules, per job group."""
