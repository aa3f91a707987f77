two
2

three
3

one
1

