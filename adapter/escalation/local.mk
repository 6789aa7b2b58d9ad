## adapter/escalation/ -- escalation to supervisors and the lawyer: routing,
## the message, the channels (LINE, Slack, Teams, mail, signed webhook) and
## the lawyer's answers.

adapter_libmamori_core_la_SOURCES += \
	adapter/escalation/channel.c adapter/escalation/channel.h \
	adapter/escalation/channels/line.c \
	adapter/escalation/channels/slack.c \
	adapter/escalation/channels/smtp.c \
	adapter/escalation/channels/teams.c \
	adapter/escalation/channels/webhook.c \
	adapter/escalation/consult.c adapter/escalation/consult.h \
	adapter/escalation/digest.c adapter/escalation/digest.h \
	adapter/escalation/escalate.c adapter/escalation/escalate.h \
	adapter/escalation/info_note.c adapter/escalation/info_note.h \
	adapter/escalation/lawyer.c adapter/escalation/lawyer.h \
	adapter/escalation/message.c adapter/escalation/message.h \
	adapter/escalation/restrict.c adapter/escalation/restrict.h \
	adapter/escalation/route.c adapter/escalation/route.h \
	adapter/escalation/send.c adapter/escalation/send.h
