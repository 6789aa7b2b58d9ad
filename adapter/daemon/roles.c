/* roles.c -- see roles.h. */
#include "config.h"

#include "daemon/roles.h"

#include "daemon/deliverer.h"
#include "daemon/housekeeper.h"
#include "daemon/poller.h"
#include "store/group_commit.h"

const struct mamori_aux_role mamori_aux_roles[] = {
    {"housekeeper", mamori_housekeeper_run, NULL, 0},
    {"deliverer", mamori_deliverer_run, mamori_deliverer_wanted, 0},
    {"poller", mamori_poller_run, mamori_poller_wanted, 1},
    {"syncer", mamori_syncer_run, mamori_syncer_wanted, 0},
    {NULL, NULL, NULL, 0},
};
