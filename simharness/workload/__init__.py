"""What the world runs: the sessions that call the driver under test and its attempts (`sessions`), and the
other writers that contend for the session files (`writers`). Each is written against a small Protocol of
what it needs of the world, which `engine.world.World` satisfies."""
