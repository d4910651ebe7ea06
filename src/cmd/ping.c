// SPDX-License-Identifier: MIT
#include "cmd/cmd.h"

int cmd_ping(int argc, char **argv)
{
	return cmd_run_role(ROLE_PING, argc, argv);
}
