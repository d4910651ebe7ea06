// SPDX-License-Identifier: MIT
#include "cmd/cmd.h"

int cmd_send(int argc, char **argv)
{
	return cmd_run_role(ROLE_SEND, argc, argv);
}
