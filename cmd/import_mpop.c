#include "import.h"

int
import_mpop(struct import *im, FILE *f, struct error *err)
{
	(void)im; (void)f;
	return (err_set(err, ERR_CONFIG, "this format cannot be imported yet"));
}
