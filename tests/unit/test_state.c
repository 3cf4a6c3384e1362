/* placeholder until this unit's tests land */
int
main(void)
{
	return (0);
}
