"""The pure decision core: no sockets, files, logging or wall clock in here.

Everything is a function of (what the store knows, the configuration, `now`),
returning decisions that an outer layer (mailwatch.pipeline) carries out.
"""
