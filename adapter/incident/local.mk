## adapter/incident/ -- the incident record (対応記録) of a flagged or
## agent-marked ticket: the agent's commands (agent.c) and the record kept
## up to date with its audit entries (record.c).

adapter_libmamori_core_la_SOURCES += \
	adapter/incident/agent.c adapter/incident/agent.h \
	adapter/incident/record.c adapter/incident/record.h \
	adapter/incident/training_token.c adapter/incident/training_token.h
