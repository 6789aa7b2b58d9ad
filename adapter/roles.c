/* roles.c -- see roles.h. */
#include "config.h"

#include "roles.h"

#include "housekeeper.h"

const struct mamori_aux_role mamori_aux_roles[] = {
    {"housekeeper", mamori_housekeeper_run, NULL},
    {NULL, NULL, NULL},
};
