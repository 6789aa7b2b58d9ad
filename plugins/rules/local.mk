## plugins/rules -- the policy engine (a convenience library shared by the
## plugin and the `mamori` command) and the rules.so plugin.

RULES_ENGINE_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(JANSSON_CFLAGS) $(UTF8PROC_CFLAGS) \
	$(CRYPTO_CFLAGS) $(MECAB_CFLAGS)
RULES_ENGINE_LIBS = $(JANSSON_LIBS) $(UTF8PROC_LIBS) $(CRYPTO_LIBS) $(MECAB_LIBS)

noinst_LTLIBRARIES += plugins/rules/librules_engine.la
plugins_rules_librules_engine_la_SOURCES = \
	plugins/rules/rules.h \
	plugins/rules/rules_util.c plugins/rules/rules_util.h \
	plugins/rules/normalize.c plugins/rules/normalize.h \
	plugins/rules/amount.c plugins/rules/amount.h \
	plugins/rules/matcher_ac.c plugins/rules/matcher_ac.h \
	plugins/rules/json_pos.c plugins/rules/json_pos.h \
	plugins/rules/policy.h plugins/rules/policy_internal.h \
	plugins/rules/policy_common.c \
	plugins/rules/policy_load.c \
	plugins/rules/policy_merge.c \
	plugins/rules/policy_compile.c plugins/rules/policy_compile.h plugins/rules/compile_internal.h \
	plugins/rules/compile_values.c plugins/rules/compile_keys.c plugins/rules/compile_blocks.c \
	plugins/rules/compile_rules.c plugins/rules/compile_finish.c plugins/rules/compile_model.c \
	plugins/rules/lint.c \
	plugins/rules/policy_sig.c \
	plugins/rules/eval_internal.h \
	plugins/rules/evaluate.c \
	plugins/rules/negation.c \
	plugins/rules/quote_scope.c \
	plugins/rules/lemma_mecab.c \
	plugins/rules/guidance.c \
	plugins/rules/model_features.c plugins/rules/model_features.h \
	plugins/rules/model.c plugins/rules/model.h
plugins_rules_librules_engine_la_CFLAGS = $(RULES_ENGINE_CFLAGS)
plugins_rules_librules_engine_la_LIBADD = $(RULES_ENGINE_LIBS)

RULES_ENGINE = plugins/rules/librules_engine.la

# Training (liblinear) is its own convenience library: the plugin scores
# with a model but never trains, so rules.so does not link liblinear.
# `mamori policy train` links $(RULES_TRAIN) before $(RULES_ENGINE).
noinst_LTLIBRARIES += plugins/rules/librules_train.la
plugins_rules_librules_train_la_SOURCES = \
	plugins/rules/train.c plugins/rules/train.h \
	plugins/rules/tool_train.c plugins/rules/tool_train.h
plugins_rules_librules_train_la_CFLAGS = $(RULES_ENGINE_CFLAGS)
plugins_rules_librules_train_la_LIBADD = $(LINEAR_LIBS) -lpthread

RULES_TRAIN = plugins/rules/librules_train.la


plugin_LTLIBRARIES += plugins/rules/rules.la
plugins_rules_rules_la_SOURCES = plugins/rules/rules_plugin.c
plugins_rules_rules_la_CFLAGS = $(PLUGIN_CFLAGS) $(JANSSON_CFLAGS)
plugins_rules_rules_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_rules_rules_la_LIBADD = $(RULES_ENGINE)

EXTRA_DIST += plugins/rules/README.md
