/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_LIB_EXIT_CODE_H
#define LINERATE_LIB_EXIT_CODE_H

/*
 * The exit codes of the CLI, for the command layer and for the code that
 * runs linerate as a child and reads them back (hookcost, the lab's trial
 * runner). docs/cli.md lists them.
 */
#define LINERATE_EXIT_OK 0
#define LINERATE_EXIT_RUNTIME 1
#define LINERATE_EXIT_USAGE 2
/* The run worked, its traffic did not: nothing sent, nothing received,
 * or refused by the destination to the end (its report is still
 * printed). */
#define LINERATE_EXIT_NO_TRAFFIC 3

#endif
