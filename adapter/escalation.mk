## adapter/escalation.mk -- escalation to the lawyer (issue 5): channels
## (LINE, Slack, Teams, mail, signed webhook), routing, the LINE hook where
## lawyers answer, the acknowledgement deadline, and their commands.
## Included from adapter/local.mk.

adapter_libmamori_core_la_SOURCES += \
	adapter/escalation_config.c adapter/escalation_config.h \
	adapter/escalation_route.c adapter/escalation_route.h \
	adapter/escalation_message.c adapter/escalation_message.h \
	adapter/escalation_store.c adapter/escalation_store.h \
	adapter/escalate.c adapter/escalate.h \
	adapter/channel.c adapter/channel.h \
	adapter/channel_line.c adapter/channel_slack.c adapter/channel_teams.c \
	adapter/channel_smtp.c adapter/channel_webhook.c \
	adapter/channel_send.c adapter/channel_send.h \
	adapter/lawyer.c adapter/lawyer.h \
	adapter/handler_line.c

adapter_mamori_SOURCES += adapter/cli/cmd_lawyer.c adapter/cli/cmd_escalation.c
