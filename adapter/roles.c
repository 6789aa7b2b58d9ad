/* roles.c -- see roles.h. */
#include "config.h"

#include "roles.h"

#include "group_commit.h"
#include "deliver.h"
#include "housekeeper.h"
#include "poller.h"

const struct mamori_aux_role mamori_aux_roles[] = {
    {"housekeeper", mamori_housekeeper_run, NULL},
    {"deliverer", mamori_deliverer_run, mamori_deliverer_wanted},
    {"poller", mamori_poller_run, mamori_poller_wanted},
    {"syncer", mamori_syncer_run, mamori_syncer_wanted},
    {NULL, NULL, NULL},
};
