# make graph: the include and call graphs between modules, failing on a cycle.
.PHONY: graph
graph: $(LIB_OBJS) $(BUILD)/obj/main.o
	python3 tools/modgraph.py $(BUILD)/obj
