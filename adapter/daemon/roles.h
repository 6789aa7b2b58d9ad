/*
 * roles.h -- the processes the supervisor runs besides the FastCGI
 * workers (the deliverer, pollers), NULL-name terminated.
 */
#ifndef MAMORI_ROLES_H
#define MAMORI_ROLES_H

#include "daemon/supervisor.h"

extern const struct mamori_aux_role mamori_aux_roles[];

#endif
