"""The simulated machine: a simpy clock whose same-instant ties are recorded choices (`env`), and the session
files with their write locks (`files`). Imports only the vocabulary (`model`)."""
