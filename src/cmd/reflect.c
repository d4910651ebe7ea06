// SPDX-License-Identifier: MIT
#include "cmd/cmd.h"

int cmd_reflect(int argc, char **argv)
{
	return cmd_run_role(ROLE_REFLECT, argc, argv);
}
