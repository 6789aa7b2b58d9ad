/*
 * mamori_train_main.c -- mamori-train, a stand-alone `mamori policy train`
 * (not installed) until the command is wired into `mamori`:
 *
 *   plugins/rules/mamori-train POLICY [CASES.jsonl...] -o MODEL [options]
 */
#include "config.h"

#include "tool_train.h"

int main(int argc, char **argv)
{
    return mamori_policy_train_main(argc, argv);
}
