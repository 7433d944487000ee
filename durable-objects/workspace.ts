import { IntegrationsFacade } from "./facade/integrations";

/**
 * One workspace: its state in SQLite, its live sockets, its event log. A thin typed-RPC facade:
 * each method hands its call to the capability module that owns it (capabilities/*.ts), and
 * the read model (capabilities/read-model.ts) answers every whole-workspace view. The methods
 * are grouped in facade/ (base → people → operations → integrations), one file per area.
 */
export class Workspace extends IntegrationsFacade {}
