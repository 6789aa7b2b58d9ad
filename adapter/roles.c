/* roles.c -- see roles.h. */
#include "config.h"

#include "roles.h"

const struct mamori_aux_role mamori_aux_roles[] = {
    {NULL, NULL, NULL},
};
