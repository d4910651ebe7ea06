// SPDX-License-Identifier: MIT
#include "cmd/cmd.h"

int cmd_recv(int argc, char **argv)
{
	return cmd_run_role(ROLE_RECV, argc, argv);
}
